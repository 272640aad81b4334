package image

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/palisade-sec/palisade/internal/errkind"
)

// TagLimits bound what ListTags reads of a repository's tag list, which comes from a registry
// and may be of any size.
type TagLimits struct {
	Tags     int   // tags of all pages together; default 10000
	Bytes    int64 // response bytes of all pages together; default 4 MiB
	PageSize int   // tags asked for per page (the n parameter); default 1000
	Pages    int   // pages followed; default 100 (registries may send fewer tags a page than asked)
}

var defaultTagLimits = TagLimits{Tags: 10000, Bytes: 4 << 20, PageSize: 1000, Pages: 100}

func (l TagLimits) withDefaults() TagLimits {
	d := defaultTagLimits
	d.Tags = positiveOr(l.Tags, d.Tags)
	d.Bytes = positiveOr(l.Bytes, d.Bytes)
	d.PageSize = positiveOr(l.PageSize, d.PageSize)
	d.Pages = positiveOr(l.Pages, d.Pages)
	return d
}

// ListTags lists the tags of a repository ("host/repo", as in a reference without its tag) by
// the OCI distribution protocol (GET /v2/<name>/tags/list), following the Link header's next
// pages. It has the same credentials and plain-HTTP rule as Pull, and refuses a list over
// opts.TagLimits (tags, bytes, pages), a next page on another host, and a tag that is not a
// valid tag.
func ListTags(ctx context.Context, repository string, opts Options) ([]string, error) {
	repo, err := name.NewRepository(repository, name.StrictValidation)
	if err != nil {
		return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("repository %q: %w", repository, err))
	}
	if slices.Contains(opts.InsecureRegistries, repo.RegistryStr()) {
		if repo, err = name.NewRepository(repository, name.StrictValidation, name.Insecure); err != nil {
			return nil, errkind.Wrap(errkind.Invalid, fmt.Errorf("repository %q: %w", repository, err))
		}
	}
	tags, err := listTags(ctx, repo, opts)
	if err != nil {
		return nil, registryError(fmt.Errorf("list the tags of %s: %w", repository, err))
	}
	return tags, nil
}

func listTags(ctx context.Context, repo name.Repository, opts Options) ([]string, error) {
	limits := opts.TagLimits.withDefaults()
	kc, rt := registryClient(opts)
	auth, err := kc.Resolve(repo)
	if err != nil {
		return nil, err
	}
	t, err := transport.NewWithContext(ctx, repo.Registry, auth, rt, []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: t}
	// The scheme is the registry's as the ping found it (https unless the host is insecure);
	// the transport rewrites it for the registry host.
	next := &url.URL{Scheme: "https", Host: repo.RegistryStr(), Path: "/v2/" + repo.RepositoryStr() + "/tags/list",
		RawQuery: "n=" + strconv.Itoa(limits.PageSize)}
	var tags []string
	var read int64
	for page := 1; next != nil; page++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if page > limits.Pages {
			return nil, fmt.Errorf("more than %d pages: %w", limits.Pages, ErrTooLarge)
		}
		body, link, err := getTagPage(ctx, client, next, limits.Bytes-read, limits.Bytes)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		read += int64(len(body))
		got, err := parseTagPage(body)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		if len(tags)+len(got) > limits.Tags {
			return nil, fmt.Errorf("page %d: more than %d tags: %w", page, limits.Tags, ErrTooLarge)
		}
		tags = append(tags, got...)
		if next, err = nextPage(link, next); err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		// A page without tags would only spend requests.
		if next != nil && len(got) == 0 {
			return nil, fmt.Errorf("page %d: no tags, and a Link to another page", page)
		}
	}
	return tags, nil
}

// getTagPage fetches one page, reading at most max bytes of its body (what is left of limit).
func getTagPage(ctx context.Context, client *http.Client, u *url.URL, max, limit int64) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return nil, "", err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(body)) > max {
		return nil, "", fmt.Errorf("the tag list is over %d bytes: %w", limit, ErrTooLarge)
	}
	return body, resp.Header.Get("Link"), nil
}

// maxTagLength is the OCI distribution spec's bound on a tag.
const maxTagLength = 128

// parseTagPage reads one page of a tag list: {"name": "...", "tags": ["...", ...]}. A tag that is
// not a valid tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) is refused rather than passed on.
func parseTagPage(body []byte) ([]string, error) {
	var page struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("tag list: %w", err)
	}
	for i, t := range page.Tags {
		if !validTag(t) {
			return nil, fmt.Errorf("tag list: tags[%d]: %q is not a valid tag", i, t)
		}
	}
	return page.Tags, nil
}

func validTag(t string) bool {
	if t == "" || len(t) > maxTagLength {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case (c == '.' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// nextPage reads the next page's URL from a Link header (`<URL>; rel="next"`), resolved against
// the current page's. A next page on another host is refused: the registry must not aim the
// client, with its credentials, somewhere else.
func nextPage(link string, cur *url.URL) (*url.URL, error) {
	if link == "" {
		return nil, nil
	}
	for _, part := range strings.Split(link, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		target = strings.TrimSpace(target)
		if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
			return nil, fmt.Errorf("link header %q: want <URL>; rel=\"next\"", link)
		}
		if !isRelNext(params) {
			continue
		}
		u, err := cur.Parse(target[1 : len(target)-1])
		if err != nil {
			return nil, fmt.Errorf("link header %q: %w", link, err)
		}
		if u.Host != cur.Host {
			return nil, fmt.Errorf("link header %q: the next page is on %s, not on the registry %s", link, u.Host, cur.Host)
		}
		u.Scheme = cur.Scheme
		return u, nil
	}
	return nil, nil
}

func isRelNext(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "rel") {
			for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
				if strings.EqualFold(rel, "next") {
					return true
				}
			}
		}
	}
	return false
}
