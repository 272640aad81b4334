package unsafehandler

import (
	"net/http"
	"unsafe"

	"github.com/gin-gonic/gin"
)

var ops = map[string]func(API) string{"status": API.Status}

func DispatchSafe(w http.ResponseWriter, r *http.Request) {
	op, ok := ops[r.URL.Query().Get("op")] // ok "go-unsafe-in-handler"
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write([]byte(op(API{})))
}

func EchoSafe(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte(r.URL.Path)) // ok "go-unsafe-in-handler"
}

// bytesToString is not a handler: unsafe here does not see a request.
func bytesToString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b)) // ok "go-unsafe-in-handler"
}

var _ = bytesToString

func FieldSafe(c *gin.Context) {
	fields := map[string]func(API) string{"status": API.Status}
	f, ok := fields[c.Param("field")] // ok "go-unsafe-in-handler"
	if ok {
		c.String(200, f(API{}))
	}
}

func SizeSafe(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > int64(unsafe.Sizeof(API{}))*1024 { // ok "go-unsafe-in-handler"
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
	}
}
