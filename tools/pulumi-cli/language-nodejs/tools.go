//go:build tools

// Package tools pins the Node.js language host that scripts/ensure-pulumi.sh builds.
// See ../tools.go for why it is this version and lives in its own module.
package tools

import (
	_ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
)
