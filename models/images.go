package models

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

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

// ImageKinds are the pictures accepted, by content type, with their file
// extension.
var ImageKinds = map[string]string{"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/svg+xml": "svg"}

// UploadName splits the asset name of an uploaded picture
// ("uploads/<sha-256>.<ext>") into its hash and extension; ok is false for
// anything Put cannot have made.
func UploadName(name string) (hash, ext string, ok bool) {
	rest, ok := strings.CutPrefix(name, ImagePrefix)
	hash, ext, dot := strings.Cut(rest, ".")
	known := false
	for _, e := range ImageKinds {
		known = known || e == ext
	}
	return hash, ext, ok && dot && known && secret.IsHash(hash)
}

// ShippedPictures is where the product pictures the shop ships with are,
// under public/ (the demo catalog's).
const ShippedPictures = "img/products/"

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
