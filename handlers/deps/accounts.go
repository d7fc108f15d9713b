package deps

import (
	"context"
	"strconv"

	"crumb/models"
	"crumb/storage"
)

// AccountData is everything Crumb keeps about the account, the same for
// its page, its export and the app's: what the database keeps, its
// sign-ins, and each email of the last MailsShown by its subject.
func (d *Deps) AccountData(ctx context.Context, userID uint) (models.AccountData, error) {
	data, mails, err := d.Accounts.Data(ctx, userID)
	if err != nil {
		return models.AccountData{}, err
	}
	browsers, err := d.Sessions.Sessions(ctx, userID)
	if err != nil {
		return models.AccountData{}, err
	}
	for _, s := range browsers {
		data.Sessions = append(data.Sessions, models.SignInRecord{Kind: models.SignInBrowser, Device: s.DeviceLabel, IP: s.IP,
			CreatedAt: s.CreatedAt, LastUsedAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt})
	}
	devices, err := d.Sessions.Devices(ctx, userID)
	if err != nil {
		return models.AccountData{}, err
	}
	for _, t := range devices {
		data.Sessions = append(data.Sessions, models.SignInRecord{Kind: models.SignInDevice, Device: t.DeviceLabel, IP: t.IP,
			CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt})
	}
	apps, err := d.Refresh.Families(ctx, userID)
	if err != nil {
		return models.AccountData{}, err
	}
	for _, f := range apps {
		data.Sessions = append(data.Sessions, models.SignInRecord{Kind: models.SignInApp, Device: f.DeviceLabel, IP: f.IP,
			CreatedAt: f.CreatedAt, LastUsedAt: f.LastUsedAt, ExpiresAt: f.ExpiresAt})
	}
	for _, m := range mails {
		msg, err := d.Mail.Render(m)
		if err != nil {
			return models.AccountData{}, err
		}
		data.Mails = append(data.Mails, models.MailRecord{Kind: m.Kind, Subject: msg.Subject, SentAt: *m.SentAt})
	}
	return data, nil
}

// DeleteAccount deletes the account user (see storage.Accounts.Delete),
// from ip: every session, remembered device and app sign-in ends with it,
// and the audit log records "account deleted" under the tombstone, all in
// one transaction. An admin's account is not deleted this way
// (models.ErrAdminAccount): the audit log names it for what it did.
func (d *Deps) DeleteAccount(ctx context.Context, user models.User, ip string) error {
	if user.Role == models.RoleAdmin {
		return models.ErrAdminAccount
	}
	tombstone := storage.NewTombstone()
	by := models.Actor{ID: user.ID, Email: tombstone, IP: ip, At: d.Now()}
	return d.Audit.Do(ctx, by, func(ctx context.Context) (models.AuditEntry, error) {
		if err := d.Accounts.Delete(ctx, user, tombstone); err != nil {
			return models.AuditEntry{}, err
		}
		if err := d.Sessions.SignOutEverywhere(ctx, user.ID, "", ""); err != nil {
			return models.AuditEntry{}, err
		}
		return models.AuditEntry{Action: "account.delete", SubjectType: "customer", SubjectID: strconv.FormatUint(uint64(user.ID), 10),
			SubjectName: tombstone}, nil
	})
}
