package unsafehandler

import (
	"net/http"
	"reflect"
	"unsafe"

	"github.com/gin-gonic/gin"
)

type API struct{}

func (API) Status() string { return "ok" }

func Dispatch(w http.ResponseWriter, r *http.Request) {
	m := reflect.ValueOf(API{}).MethodByName(r.URL.Query().Get("op")) // want "go-unsafe-in-handler"
	_ = m
}

func Echo(w http.ResponseWriter, r *http.Request) {
	b := []byte(r.URL.Path)
	s := *(*string)(unsafe.Pointer(&b)) // want "go-unsafe-in-handler"
	w.Write([]byte(s))
}

// Field runs reflection in a closure of a gin handler.
func Field(c *gin.Context) {
	pick := func(v any) reflect.Value {
		return reflect.ValueOf(v).Elem().FieldByName(c.Param("field")) // want "go-unsafe-in-handler"
	}
	c.String(200, pick(&API{}).String())
}
