package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crumb/assets"
	"crumb/models"
	"crumb/secret"
)

// Images owns the uploaded pictures (the images table).
type Images struct{ db *gorm.DB }

// NewImages builds the image store.
func NewImages(db *gorm.DB) *Images { return &Images{db: db} }

// Put checks data by its content (PNG, JPEG, WebP or SVG, at most
// MaxImageBytes) and keeps it, once however often it is put. It returns
// the image's asset name, such as "uploads/3f2a….png".
func (s *Images) Put(ctx context.Context, data []byte) (string, error) {
	if len(data) > models.MaxImageBytes {
		return "", models.Invalid("image", models.CodeImageSize, models.MaxImageBytes>>20)
	}
	ctype := models.ImageType(data)
	ext, ok := models.ImageKinds[ctype]
	if !ok {
		return "", models.Invalid("image", models.CodeImageType)
	}
	img := models.Image{Hash: secret.Hash(string(data)), ContentType: ctype, Size: int64(len(data)), Data: data}
	if err := Conn(ctx, s.db).Clauses(clause.OnConflict{DoNothing: true}).Create(&img).Error; err != nil {
		return "", fmt.Errorf("put image: %w", err)
	}
	return models.ImagePrefix + img.Hash + "." + ext, nil
}

// Get finds an uploaded image by its asset name.
func (s *Images) Get(ctx context.Context, name string) (models.Image, error) {
	hash, ext, ok := models.UploadName(name)
	if !ok {
		return models.Image{}, models.ErrNotFound
	}
	var img models.Image
	if err := Conn(ctx, s.db).Where("hash = ?", hash).Take(&img).Error; err != nil {
		return models.Image{}, notFound(err)
	}
	if models.ImageKinds[img.ContentType] != ext {
		return models.Image{}, models.ErrNotFound
	}
	return img, nil
}

// CheckPicture checks the picture a product form names: the asset name of
// one uploaded and kept here, or of a product picture the shop ships
// (ShippedPictures, in static). Anything else, however it is spelled, is
// an InputError on "image", found without a query when it cannot be
// either.
func (s *Images) CheckPicture(ctx context.Context, name string, static *assets.Assets) error {
	unknown := models.Invalid("image", models.CodeImageUnknown)
	if len(name) > models.MaxImageNameLength || models.CheckRunes("image", name, false) != nil {
		return unknown
	}
	if strings.HasPrefix(name, models.ShippedPictures) {
		if _, err := static.Path(name); err != nil {
			return unknown
		}
		return nil
	}
	hash, ext, ok := models.UploadName(name)
	if !ok {
		return unknown
	}
	var ctype string
	err := s.db.WithContext(ctx).Model(&models.Image{}).Select("content_type").Where("hash = ?", hash).Row().Scan(&ctype)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && models.ImageKinds[ctype] != ext) {
		return unknown
	}
	if err != nil {
		return fmt.Errorf("check picture: %w", err)
	}
	return nil
}
