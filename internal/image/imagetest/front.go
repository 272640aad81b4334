package imagetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// PaginatingFront serves the TLS registry reg through a loopback TLS front (same CA) that
// paginates tag lists as the OCI distribution spec says — n tags a page, sorted, the next page
// in a Link header — over the registry's own list; Debian's docker-registry 2.8 answers every
// tag in one page whatever n asks. Every other request is passed to the registry unchanged.
// pages, when not nil, counts the tag-list pages served. nextBase, when set ("https://host"),
// is put before the Link's path, to aim the next page at another host. It returns the front's
// host:port.
func PaginatingFront(t testing.TB, reg *Registry, pages *atomic.Int32, nextBase string) string {
	t.Helper()
	upstream := &url.URL{Scheme: "https", Host: reg.Host}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.Transport = reg.CA.Transport()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/tags/list") {
			proxy.ServeHTTP(w, r)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, upstream.String()+r.URL.Path, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header.Set("Authorization", r.Header.Get("Authorization"))
		resp, err := reg.CA.Transport().RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(resp.StatusCode)
			io.Copy(w, resp.Body)
			return
		}
		var list struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		slices.Sort(list.Tags)
		if last := r.URL.Query().Get("last"); last != "" {
			i, _ := slices.BinarySearch(list.Tags, last)
			for i < len(list.Tags) && list.Tags[i] <= last {
				i++
			}
			list.Tags = list.Tags[i:]
		}
		if n, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && n > 0 && n < len(list.Tags) {
			list.Tags = list.Tags[:n]
			w.Header().Set("Link", fmt.Sprintf(`<%s%s?last=%s&n=%d>; rel="next"`, nextBase, r.URL.Path, url.QueryEscape(list.Tags[n-1]), n))
		}
		if pages != nil {
			pages.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(list)
	})
	srv := reg.CA.StartTLSServer(t, h)
	return strings.TrimPrefix(srv.URL, "https://")
}
