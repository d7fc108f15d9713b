package models

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"crumb/assets"
	"crumb/secret"
)

// MaxImageBytes is the largest product image the back office accepts.
const MaxImageBytes = 2 << 20

// ImagePrefix starts the asset name of every uploaded image: it is served,
// like the files of public/, under /static/ and cached for a year, and its
// name is its content's hash, so a new picture always has a new address.
const ImagePrefix = assets.UploadPrefix

// Image is an uploaded product picture, kept in the database (so every
// instance serves the same pictures) and named by the SHA-256 of its bytes.
type Image struct {
	Hash        string `gorm:"primaryKey;size:64"`
	ContentType string `gorm:"size:40;not null"`
	Size        int64  `gorm:"not null"`
	Data        []byte `gorm:"not null"`
	CreatedAt   time.Time
}

// Images owns the uploaded pictures (the images table).
type Images struct{ db *gorm.DB }

// NewImages builds the image store.
func NewImages(db *gorm.DB) *Images { return &Images{db: db} }

// imageKinds are the pictures accepted, by content type, with their file
// extension.
var imageKinds = map[string]string{"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/svg+xml": "svg"}

// Put checks data by its content (PNG, JPEG, WebP or SVG, at most
// MaxImageBytes) and keeps it, once however often it is put. It returns
// the image's asset name, such as "uploads/3f2a….png".
func (s *Images) Put(ctx context.Context, data []byte) (string, error) {
	if len(data) > MaxImageBytes {
		return "", Invalid("image", CodeImageSize, MaxImageBytes>>20)
	}
	ctype := ImageType(data)
	ext, ok := imageKinds[ctype]
	if !ok {
		return "", Invalid("image", CodeImageType)
	}
	img := Image{Hash: secret.Hash(string(data)), ContentType: ctype, Size: int64(len(data)), Data: data}
	if err := Conn(ctx, s.db).Clauses(clause.OnConflict{DoNothing: true}).Create(&img).Error; err != nil {
		return "", fmt.Errorf("put image: %w", err)
	}
	return ImagePrefix + img.Hash + "." + ext, nil
}

// uploadName splits the asset name of an uploaded picture
// ("uploads/<sha-256>.<ext>") into its hash and extension; ok is false for
// anything Put cannot have made.
func uploadName(name string) (hash, ext string, ok bool) {
	rest, ok := strings.CutPrefix(name, ImagePrefix)
	hash, ext, dot := strings.Cut(rest, ".")
	known := false
	for _, e := range imageKinds {
		known = known || e == ext
	}
	return hash, ext, ok && dot && known && secret.IsHash(hash)
}

// Get finds an uploaded image by its asset name.
func (s *Images) Get(ctx context.Context, name string) (Image, error) {
	hash, ext, ok := uploadName(name)
	if !ok {
		return Image{}, ErrNotFound
	}
	var img Image
	if err := Conn(ctx, s.db).Where("hash = ?", hash).Take(&img).Error; err != nil {
		return Image{}, notFound(err)
	}
	if imageKinds[img.ContentType] != ext {
		return Image{}, ErrNotFound
	}
	return img, nil
}

// ShippedPictures is where the product pictures the shop ships with are,
// under public/ (the demo catalog's).
const ShippedPictures = "img/products/"

// CheckPicture checks the picture a product form names: the asset name of
// one uploaded and kept here, or of a product picture the shop ships
// (ShippedPictures, in static). Anything else, however it is spelled, is
// an InputError on "image", found without a query when it cannot be
// either.
func (s *Images) CheckPicture(ctx context.Context, name string, static *assets.Assets) error {
	unknown := Invalid("image", CodeImageUnknown)
	if len(name) > MaxImageNameLength || checkRunes("image", name, false) != nil {
		return unknown
	}
	if strings.HasPrefix(name, ShippedPictures) {
		if _, err := static.Path(name); err != nil {
			return unknown
		}
		return nil
	}
	hash, ext, ok := uploadName(name)
	if !ok {
		return unknown
	}
	var ctype string
	err := s.db.WithContext(ctx).Model(&Image{}).Select("content_type").Where("hash = ?", hash).Row().Scan(&ctype)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && imageKinds[ctype] != ext) {
		return unknown
	}
	if err != nil {
		return fmt.Errorf("check picture: %w", err)
	}
	return nil
}

// ImageType tells what picture data holds by looking at its bytes, never
// at a file name: image/png, image/jpeg, image/webp, image/svg+xml, or "".
func ImageType(data []byte) string {
	switch ctype := http.DetectContentType(data); ctype {
	case "image/png", "image/jpeg", "image/webp":
		return ctype
	}
	if isSVG(data) {
		return "image/svg+xml"
	}
	return ""
}

// isSVG reports whether data is an XML document whose root is <svg>.
func isSVG(data []byte) bool {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t.Name.Local == "svg"
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
}
