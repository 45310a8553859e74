//go:build tools

// Package tools pins the Pulumi CLI that scripts/ensure-pulumi.sh builds from the Go module
// proxy (this file only keeps `go mod tidy` from dropping the requirement; it is never compiled).
//
// Why these versions, and not the v3.270.0 of @pulumi/pulumi in node_modules:
//   - The proxy this project can reach serves github.com/pulumi/pulumi/pkg/v3 only up to
//     v3.259.0 (v3.260.0 and later: "403 This module version is not available"), so the CLI is
//     v3.259.0. The engine speaks the same gRPC protocol to newer Node SDKs.
//   - The Node.js language host's own module,
//     github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, is refused outright by
//     the proxy. The last release that shipped the host as a package inside sdk/v3 is v3.68.0,
//     so it is built from there, in its own module (./language-nodejs) because one build can
//     hold only one version of sdk/v3. The engine falls back to the older RPCs for it.
//
// Build it with `go build` in this directory (go.sum is committed, so -mod=readonly works).
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	// The CLI reports the version stamped into this package with -ldflags -X at build time.
	_ "github.com/pulumi/pulumi/sdk/v3/go/common/version"
)
