package secret

import (
	"context"
)

// detect returns the secrets in content, deduplicated and ordered by offset. code says the
// content is program source, where LiteralInCode rules report only quoted values.
func (d *detector) detect(ctx context.Context, content []byte, code bool) ([]match, error) {
	ms, _, err := d.detectReport(ctx, content, code)
	return ms, err
}
