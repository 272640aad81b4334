module example.com/twins

go 1.22

require (
	github.com/gin-gonic/gin v1.10.0
	github.com/go-chi/chi/v5 v5.0.0
	github.com/golang-jwt/jwt/v5 v5.0.0
	github.com/gorilla/mux v1.8.1
	github.com/lestrrat-go/jwx/v2 v2.0.0
	github.com/rs/cors v1.11.0
	golang.org/x/crypto v0.0.0
)

replace (
	github.com/gin-gonic/gin => ./stubs/gin
	github.com/go-chi/chi/v5 => ./stubs/chi
	github.com/golang-jwt/jwt/v5 => ./stubs/jwt
	github.com/gorilla/mux => ./stubs/gorilla
	github.com/lestrrat-go/jwx/v2 => ./stubs/jwx
	github.com/rs/cors => ./stubs/rscors
	golang.org/x/crypto => ./stubs/xcrypto
)
