package unsafehandler

import (
	"net/http"
	"reflect"
	"unsafe"
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
