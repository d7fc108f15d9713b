package main

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"crumb/database"
	"crumb/secret"
)

var schemaName = regexp.MustCompile(`^crumb_bench_[0-9a-f]+$`)

// schema creates a schema of its own in the Postgres at db and prints a
// URL that uses it, or drops one that create made.
func schema(verb, db, name string) error {
	admin, err := database.Open(db, "")
	if err != nil {
		return err
	}
	defer database.Close(admin)
	switch verb {
	case "create":
		name = "crumb_bench_" + secret.Hex(6)
		if err := admin.Exec("CREATE SCHEMA " + name).Error; err != nil {
			return err
		}
		u, err := url.Parse(db)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		fmt.Println(name, u.String())
		return nil
	case "drop":
		if !schemaName.MatchString(name) {
			return errors.New("schema drop: -name must be a schema that create made")
		}
		return admin.Exec("DROP SCHEMA " + name + " CASCADE").Error
	}
	return fmt.Errorf("schema: unknown verb %q (create or drop)", verb)
}
