package api_test

import "crumb/models"

// The API's JSON as the app reads it.

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

type apiProduct struct {
	ID          uint         `json:"id"`
	Slug        string       `json:"slug"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Price       models.Money `json:"price"`
	Stock       int          `json:"stock"`
	InStock     bool         `json:"in_stock"`
	Category    string       `json:"category"`
	ImageURL    string       `json:"image_url"`
}

type apiCartLine struct {
	Product   apiProduct   `json:"product"`
	Quantity  int          `json:"quantity"`
	LineTotal models.Money `json:"line_total"`
}

type apiCart struct {
	Items    []apiCartLine `json:"items"`
	Count    int           `json:"count"`
	Subtotal models.Money  `json:"subtotal"`
	Notices  []string      `json:"notices"`
}

type apiOrderLine struct {
	ProductID uint         `json:"product_id"`
	Name      string       `json:"name"`
	UnitPrice models.Money `json:"unit_price"`
	Quantity  int          `json:"quantity"`
	LineTotal models.Money `json:"line_total"`
}

type apiShipping struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

type apiOrder struct {
	ID            string         `json:"id"`
	Status        string         `json:"status"`
	CreatedAt     string         `json:"created_at"`
	Items         []apiOrderLine `json:"items"`
	Subtotal      models.Money   `json:"subtotal"`
	Total         models.Money   `json:"total"`
	Shipping      apiShipping    `json:"shipping"`
	PaymentMethod string         `json:"payment_method"`
}
