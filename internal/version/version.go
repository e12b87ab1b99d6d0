// Package version reports the version of the supcon tool, for `supcon version`
// and for the manifests the tool writes.
package version

import (
	"runtime/debug"
	"sync"
)

// Override is set at link time to name a release:
//
//	go build -ldflags "-X github.com/supcon/supcon/internal/version.Override=v1.2.3" ./cmd/supcon
var Override string

var (
	once   sync.Once
	cached string
)

// String returns the tool's version: Override when set, else the module version
// recorded in the binary, else "devel" followed by the VCS revision when known.
func String() string {
	once.Do(func() { cached = compute() })
	return cached
}

func compute() string {
	if Override != "" {
		return Override
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v := "devel"
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}
