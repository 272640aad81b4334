module example.com/payments

go 1.22.1

toolchain go1.22.5

require (
	github.com/go-chi/chi/v5 v5.0.12
	github.com/jackc/pgx/v5 v5.5.4
	golang.org/x/crypto v0.21.0
	github.com/acme/internal-lib v1.4.0
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20221227161230-091c0ba34f0a // indirect
	golang.org/x/text v0.14.0 // indirect
)

replace github.com/acme/internal-lib => ../internal-lib

replace golang.org/x/crypto v0.21.0 => golang.org/x/crypto v0.22.0
