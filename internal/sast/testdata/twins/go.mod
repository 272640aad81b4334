module example.com/twins

go 1.22

require (
	github.com/Masterminds/squirrel v0.0.0
	github.com/antchfx/xpath v0.0.0
	github.com/cyphar/filepath-securejoin v0.0.0
	github.com/gin-gonic/gin v0.0.0
	github.com/go-chi/chi/v5 v5.0.0
	github.com/go-ldap/ldap/v3 v3.0.0
	github.com/gorilla/mux v0.0.0
	github.com/gorilla/sessions v0.0.0
	github.com/labstack/echo/v4 v4.0.0
)

replace (
	github.com/Masterminds/squirrel => ./stubs/squirrel
	github.com/antchfx/xpath => ./stubs/xpath
	github.com/cyphar/filepath-securejoin => ./stubs/securejoin
	github.com/gin-gonic/gin => ./stubs/gin
	github.com/go-chi/chi/v5 => ./stubs/chi
	github.com/go-ldap/ldap/v3 => ./stubs/ldap
	github.com/gorilla/mux => ./stubs/mux
	github.com/gorilla/sessions => ./stubs/sessions
	github.com/labstack/echo/v4 => ./stubs/echo
)
