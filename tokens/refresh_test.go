package tokens_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crumb/internal/testkit"
	"crumb/models"
	"crumb/storage"
	"crumb/tokens"
)

func hashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// familyOf finds the family a token belongs to.
func familyOf(t *testing.T, db *gorm.DB, token string) models.RefreshFamily {
	t.Helper()
	var tok models.RefreshToken
	if err := db.Where("token_hash = ?", hashOf(token)).Take(&tok).Error; err != nil {
		t.Fatalf("token not stored: %v", err)
	}
	var fam models.RefreshFamily
	if err := db.Take(&fam, tok.FamilyID).Error; err != nil {
		t.Fatal(err)
	}
	return fam
}

func unusedTokens(t *testing.T, db *gorm.DB, familyID uint) []models.RefreshToken {
	t.Helper()
	var out []models.RefreshToken
	if err := db.Where("family_id = ? AND used_at IS NULL", familyID).Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func mustRotate(t *testing.T, r *tokens.Refresh, token string, wantUser uint) string {
	t.Helper()
	uid, next, err := r.Rotate(t.Context(), token, "192.0.2.7")
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if uid != wantUser {
		t.Fatalf("rotate: user %d, want %d", uid, wantUser)
	}
	return next
}

func mustFail(t *testing.T, r *tokens.Refresh, token string, want error) {
	t.Helper()
	uid, next, err := r.Rotate(t.Context(), token, "192.0.2.7")
	// A reuse names the account it was reused on, so that every sign-in of
	// it can end; nothing else names an account.
	wantUID := uid != 0 && errors.Is(want, tokens.ErrRefreshReused) || uid == 0 && !errors.Is(want, tokens.ErrRefreshReused)
	if !errors.Is(err, want) || !wantUID || next != "" {
		t.Fatalf("rotate = (%d, %q, %v), want %v", uid, next, err, want)
	}
}

func TestRefreshRotationChain(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "chain@example.com")
		first, err := r.Start(t.Context(), user, "Crumb for iPhone", "198.51.100.1")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		token := first
		for i := range 5 {
			if b, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(b) != 32 {
				t.Fatalf("token %d %q is not 256 bits in base64url", i, token)
			}
			if seen[token] {
				t.Fatalf("token %d repeats an earlier one", i)
			}
			seen[token] = true
			clk.Advance(time.Minute)
			token = mustRotate(t, r, token, user)
		}

		var stored []models.RefreshToken
		db.Order("id").Find(&stored)
		if len(stored) != 6 {
			t.Fatalf("%d tokens stored, want 6", len(stored))
		}
		for i, s := range stored {
			if seen[s.TokenHash] || len(s.TokenHash) != 64 {
				t.Errorf("token %d stored as %q, not its SHA-256", i, s.TokenHash)
			}
			if last := i == len(stored)-1; last != (s.UsedAt == nil) {
				t.Errorf("token %d used_at = %v", i, s.UsedAt)
			}
		}
		if stored[0].TokenHash != hashOf(first) || stored[5].TokenHash != hashOf(token) {
			t.Error("stored hashes do not match the tokens")
		}

		fam := familyOf(t, db, token)
		start := newClock().Now()
		if fam.UserID != user || fam.DeviceLabel != "Crumb for iPhone" || fam.IP != "192.0.2.7" ||
			!fam.LastUsedAt.Equal(start.Add(5*time.Minute)) || !fam.ExpiresAt.Equal(start.Add(30*24*time.Hour)) {
			t.Errorf("family = %+v", fam)
		}

		// Each token works once: the latest still does.
		mustRotate(t, r, token, user)
	})
}

func TestRefreshReuseRevokesFamily(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "reuse@example.com")
		t0, _ := r.Start(t.Context(), user, "app", "198.51.100.1")
		t1 := mustRotate(t, r, t0, user)
		clk.Advance(time.Minute)
		t2 := mustRotate(t, r, t1, user)

		clk.Advance(tokens.RefreshGrace)
		mustFail(t, r, t1, tokens.ErrRefreshReused)
		if fam := familyOf(t, db, t2); fam.RevokedAt == nil || !fam.RevokedAt.Equal(clk.Now()) {
			t.Errorf("family not revoked: %+v", fam)
		}
		mustFail(t, r, t2, tokens.ErrInvalidRefresh) // the thief's or the app's latest: both dead
		mustFail(t, r, t1, tokens.ErrInvalidRefresh) // a revoked family is simply invalid now
		if fams, _ := r.Families(t.Context(), user); len(fams) != 0 {
			t.Errorf("revoked family still listed: %+v", fams)
		}
	})
}

func TestRefreshReuseWithinGraceOfAUsedSuccessor(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "fast@example.com")
		t0, _ := r.Start(t.Context(), user, "app", "198.51.100.1")
		t1 := mustRotate(t, r, t0, user)
		clk.Advance(time.Second)
		t2 := mustRotate(t, r, t1, user)
		clk.Advance(time.Second)
		// t0 was spent 2 s ago, but its successor t1 has been used: the app
		// moved on, so this is a replay.
		mustFail(t, r, t0, tokens.ErrRefreshReused)
		mustFail(t, r, t2, tokens.ErrInvalidRefresh)
	})
}

func TestRefreshGraceRetry(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "retry@example.com")
		t0, _ := r.Start(t.Context(), user, "app", "198.51.100.1")
		lost := mustRotate(t, r, t0, user) // the response never reached the app

		clk.Advance(tokens.RefreshGrace - time.Second)
		retry := mustRotate(t, r, t0, user)
		if retry == lost {
			t.Fatal("the retry returned the lost token")
		}
		fam := familyOf(t, db, retry)
		if live := unusedTokens(t, db, fam.ID); len(live) != 1 || live[0].TokenHash != hashOf(retry) {
			t.Fatalf("live tokens after the retry: %+v", live)
		}

		clk.Advance(time.Minute)
		next := mustRotate(t, r, retry, user) // the retry's answer works

		// The lost token turning up after all means someone else got the
		// response: a replay.
		mustFail(t, r, lost, tokens.ErrRefreshReused)
		mustFail(t, r, next, tokens.ErrInvalidRefresh)
	})
}

func TestRefreshGraceEndsAfterTenSeconds(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "slow@example.com")
		t0, _ := r.Start(t.Context(), user, "app", "198.51.100.1")
		t1 := mustRotate(t, r, t0, user)
		clk.Advance(tokens.RefreshGrace)
		mustFail(t, r, t0, tokens.ErrRefreshReused)
		mustFail(t, r, t1, tokens.ErrInvalidRefresh)
	})
}

// TestRefreshConcurrentRotation rotates the same token from two goroutines
// at once, round after round: one wins, the other gets a grace answer or
// an error, and a family never has two live tokens.
func TestRefreshConcurrentRotation(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "race@example.com")
		token, err := r.Start(t.Context(), user, "app", "198.51.100.1")
		if err != nil {
			t.Fatal(err)
		}
		graced, failed := 0, 0
		for round := range 20 {
			clk.Advance(time.Minute) // well past the previous round's grace
			famID := familyOf(t, db, token).ID
			type result struct {
				next string
				err  error
			}
			results := make([]result, 2)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, next, err := r.Rotate(t.Context(), token, "192.0.2.9")
					results[i] = result{next, err}
				}()
			}
			close(start)
			wg.Wait()

			var issued []string
			for _, res := range results {
				switch {
				case res.err == nil:
					issued = append(issued, res.next)
				case errors.Is(res.err, tokens.ErrRefreshReused), errors.Is(res.err, tokens.ErrInvalidRefresh):
				default:
					t.Fatalf("round %d: unexpected error %v", round, res.err)
				}
			}
			if len(issued) == 0 {
				t.Fatalf("round %d: neither rotation succeeded: %+v", round, results)
			}
			live := unusedTokens(t, db, famID)
			if len(live) > 1 {
				t.Fatalf("round %d: %d live tokens in one family", round, len(live))
			}
			var fam models.RefreshFamily
			db.Take(&fam, famID)
			if fam.RevokedAt != nil {
				// The loser was judged a replay; begin a new sign-in.
				failed++
				if token, err = r.Start(t.Context(), user, "app", "198.51.100.1"); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if len(live) != 1 {
				t.Fatalf("round %d: live family without a live token", round)
			}
			token = ""
			for _, s := range issued {
				if hashOf(s) == live[0].TokenHash {
					token = s
				}
			}
			if token == "" {
				t.Fatalf("round %d: the live token is none of those returned", round)
			}
			if len(issued) == 2 {
				graced++
			} else {
				failed++
			}
		}
		t.Logf("20 rounds: %d grace answers, %d errors", graced, failed)
		mustRotate(t, r, token, user)
	})
}

func TestRefreshFamilyEndsThirtyDaysAfterSignIn(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "daily@example.com")
		token, _ := r.Start(t.Context(), user, "app", "198.51.100.1")
		for day := 1; day < 30; day++ {
			clk.Advance(24 * time.Hour)
			token = mustRotate(t, r, token, user)
		}
		if fams, _ := r.Families(t.Context(), user); len(fams) != 1 {
			t.Fatalf("families on day 29: %+v", fams)
		}
		clk.Advance(24 * time.Hour)
		mustFail(t, r, token, tokens.ErrInvalidRefresh)
		if fams, _ := r.Families(t.Context(), user); len(fams) != 0 {
			t.Errorf("expired family still listed: %+v", fams)
		}
	})
}

func TestRefreshRevoke(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "revoke@example.com")

		token, _ := r.Start(t.Context(), user, "app", "198.51.100.1")
		if err := r.Revoke(t.Context(), token); err != nil {
			t.Fatal(err)
		}
		mustFail(t, r, token, tokens.ErrInvalidRefresh)
		if err := r.Revoke(t.Context(), token); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		for _, unknown := range []string{"", "garbage", base64.RawURLEncoding.EncodeToString(make([]byte, 32))} {
			if err := r.Revoke(t.Context(), unknown); err != nil {
				t.Errorf("revoking unknown %q: %v", unknown, err)
			}
		}

		// Revoking a spent token ends its family too.
		t0, _ := r.Start(t.Context(), user, "app", "198.51.100.1")
		t1 := mustRotate(t, r, t0, user)
		other, _ := r.Start(t.Context(), user, "tablet", "198.51.100.2")
		if err := r.Revoke(t.Context(), t0); err != nil {
			t.Fatal(err)
		}
		mustFail(t, r, t1, tokens.ErrInvalidRefresh)
		mustRotate(t, r, other, user) // other sign-ins are untouched
	})
}

func TestRefreshRevokeUserAndFamily(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		ana, bea := newUser(t, db, "ana@example.com"), newUser(t, db, "bea@example.com")
		phone, _ := r.Start(t.Context(), ana, "phone", "198.51.100.1")
		tablet, _ := r.Start(t.Context(), ana, "tablet", "198.51.100.2")
		beas, _ := r.Start(t.Context(), bea, "phone", "198.51.100.3")

		famID := familyOf(t, db, phone).ID
		if ok, err := r.RevokeFamily(t.Context(), bea, famID); err != nil || ok {
			t.Fatalf("another user revoked the family: %v %v", ok, err)
		}
		phone = mustRotate(t, r, phone, ana)
		if ok, err := r.RevokeFamily(t.Context(), ana, famID); err != nil || !ok {
			t.Fatalf("owner could not revoke: %v %v", ok, err)
		}
		if ok, _ := r.RevokeFamily(t.Context(), ana, famID); ok {
			t.Error("revoked the same family twice")
		}
		mustFail(t, r, phone, tokens.ErrInvalidRefresh)
		tablet = mustRotate(t, r, tablet, ana)

		anotherPhone, _ := r.Start(t.Context(), ana, "phone", "198.51.100.1")
		if err := r.RevokeUser(t.Context(), ana); err != nil {
			t.Fatal(err)
		}
		mustFail(t, r, tablet, tokens.ErrInvalidRefresh)
		mustFail(t, r, anotherPhone, tokens.ErrInvalidRefresh)
		mustRotate(t, r, beas, bea)
		if fams, _ := r.Families(t.Context(), ana); len(fams) != 0 {
			t.Errorf("families after RevokeUser: %+v", fams)
		}
	})
}

func TestRefreshFamiliesNewestUseFirst(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "list@example.com")
		phone, _ := r.Start(t.Context(), user, "phone", "198.51.100.1")
		clk.Advance(time.Minute)
		tablet, _ := r.Start(t.Context(), user, "tablet", "198.51.100.2")
		clk.Advance(time.Minute)
		if _, err := r.Start(t.Context(), user, "old phone", "198.51.100.3"); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
		mustRotate(t, r, phone, user)
		if ok, err := r.RevokeFamily(t.Context(), user, familyOf(t, db, tablet).ID); err != nil || !ok {
			t.Fatal(ok, err)
		}
		fams, err := r.Families(t.Context(), user)
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, f := range fams {
			labels = append(labels, f.DeviceLabel)
		}
		if strings.Join(labels, ",") != "phone,old phone" {
			t.Errorf("families = %v", labels)
		}
	})
}

func TestRefreshSweep(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, db *gorm.DB) {
		clk := newClock()
		r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
		user := newUser(t, db, "sweep@example.com")
		old, _ := r.Start(t.Context(), user, "old", "198.51.100.1")
		mustRotate(t, r, old, user)
		oldRevoked, _ := r.Start(t.Context(), user, "old revoked", "198.51.100.1")
		_ = r.Revoke(t.Context(), oldRevoked)
		clk.Advance(20 * 24 * time.Hour)
		recent, _ := r.Start(t.Context(), user, "recent", "198.51.100.1")
		recentRevoked, _ := r.Start(t.Context(), user, "recent revoked", "198.51.100.1")
		_ = r.Revoke(t.Context(), recentRevoked)
		clk.Advance(10 * 24 * time.Hour) // the first two are 30 days old

		// Several instances sweeping at once.
		var wg sync.WaitGroup
		counts := make([]int64, 4)
		for i := range counts {
			wg.Go(func() {
				n, err := r.Sweep(t.Context())
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		if total := counts[0] + counts[1] + counts[2] + counts[3]; total != 2 {
			t.Errorf("swept %v families, want 2 in all", counts)
		}
		var fams []models.RefreshFamily
		db.Order("id").Find(&fams)
		if len(fams) != 2 || fams[0].DeviceLabel != "recent" || fams[1].DeviceLabel != "recent revoked" {
			t.Errorf("families left: %+v", fams)
		}
		var orphans int64
		db.Model(&models.RefreshToken{}).Where("family_id NOT IN (?)", db.Model(&models.RefreshFamily{}).Select("id")).Count(&orphans)
		if orphans != 0 {
			t.Errorf("%d tokens of swept families left", orphans)
		}
		mustFail(t, r, old, tokens.ErrInvalidRefresh)
		mustRotate(t, r, recent, user)

		clk.Advance(30 * 24 * time.Hour)
		if n, err := r.Sweep(t.Context()); err != nil || n != 2 {
			t.Errorf("second sweep = %d, %v", n, err)
		}
		var left int64
		db.Model(&models.RefreshToken{}).Count(&left)
		if left != 0 {
			t.Errorf("%d tokens left", left)
		}
	})
}

func TestRefreshRejectsMalformedTokens(t *testing.T) {
	db := testkit.SQLite(t)
	clk := newClock()
	r := tokens.NewRefresh(storage.NewRefreshFamilies(db), clk.Now)
	access := newAccess(t, clk, newKey)
	jwtToken, _, _ := access.Issue(1, 0)
	for _, token := range []string{
		"",
		"short",
		jwtToken,
		"c2VsZWN0b3IxMjM0:" + base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		strings.Repeat("*", 43),
		base64.RawURLEncoding.EncodeToString(make([]byte, 32)), // well formed, never issued
		base64.StdEncoding.EncodeToString(make([]byte, 32)),
	} {
		mustFail(t, r, token, tokens.ErrInvalidRefresh)
	}
}

func TestRefreshStartClipsLongLabels(t *testing.T) {
	db := testkit.SQLite(t)
	r := tokens.NewRefresh(storage.NewRefreshFamilies(db), newClock().Now)
	user := newUser(t, db, "long@example.com")
	token, err := r.Start(t.Context(), user, strings.Repeat("é", 150), strings.Repeat("1", 100))
	if err != nil {
		t.Fatal(err)
	}
	fam := familyOf(t, db, token)
	if fam.DeviceLabel != strings.Repeat("é", 100) || len(fam.IP) != 64 {
		t.Errorf("label %d runes, ip %d bytes", len([]rune(fam.DeviceLabel)), len(fam.IP))
	}
}
