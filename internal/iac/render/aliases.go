package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// maxExpandedNodes bounds the YAML nodes a file may expand to once its aliases are resolved.
// yaml.v3 refuses excessive aliasing when it decodes into Go values, but Kustomize works on the
// node tree and later expands it through JSON: a 1 KiB file of nested anchors ("billion laughs")
// then grew past 20 GiB. Real manifests use a handful of anchors and stay far below this.
const maxExpandedNodes = 1_000_000

// checkAliases fails when a YAML stream expands to more than maxExpandedNodes nodes. A stream
// that does not parse passes: the tool that reads it reports the error with its own words.
func checkAliases(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var total int64
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil
		}
		total += expandedSize(&doc, map[*yaml.Node]int64{}, 0)
		if total > maxExpandedNodes {
			return &BoundError{Bound: "alias", Detail: fmt.Sprintf("its YAML aliases expand to more than %d nodes", maxExpandedNodes)}
		}
	}
}

// expandedSize counts the nodes of n with every alias replaced by what it names, saturating
// past maxExpandedNodes. Sizes are memoised per node, so a chain of anchors that doubles at
// each step costs one visit per node, not 2^n.
func expandedSize(n *yaml.Node, memo map[*yaml.Node]int64, depth int) int64 {
	if n == nil {
		return 0
	}
	if s, ok := memo[n]; ok {
		return s
	}
	if depth > maxWalkDepth {
		return maxExpandedNodes + 1
	}
	memo[n] = maxExpandedNodes + 1 // an alias cycle counts as too large
	s := int64(1)
	if n.Kind == yaml.AliasNode {
		s += expandedSize(n.Alias, memo, depth+1)
	}
	for _, c := range n.Content {
		s = min(s+expandedSize(c, memo, depth+1), maxExpandedNodes+1)
	}
	memo[n] = min(s, maxExpandedNodes+1)
	return memo[n]
}
