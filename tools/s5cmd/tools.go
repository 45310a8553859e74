//go:build tools

// Package tools pins s5cmd, one of the bulk-copy tools the ObjectCopySet benchmark (bench/set/)
// measures against. scripts/ensure-s5cmd.sh builds it from the Go module proxy with `go build` in
// this directory: `go install github.com/peak/s5cmd/v2@v2.3.0` fails here (it reads the module's
// @v/list for deprecation notices and the proxy answers 403), but a module that requires the
// version builds fine. This file only keeps `go mod tidy` from dropping the requirement; it
// is never compiled. go.sum is committed, so -mod=readonly builds exactly these versions.
package tools

import (
	_ "github.com/peak/s5cmd/v2"
)
