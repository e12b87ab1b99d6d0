// Package gcstest runs an in-process fake Google Cloud Storage server for
// tests, so that gs:// code paths run in the normal test suite with no
// network and no credentials.
package gcstest

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

var (
	once    sync.Once
	server  *fakestorage.Server
	bootErr error
	buckets atomic.Int64
)

// Start makes sure the process's fake GCS server is running and pointed to
// by STORAGE_EMULATOR_HOST, and returns a new empty bucket's name for the
// calling test. The server lives until the test binary exits: the storage
// client that production code makes once per process keeps talking to it.
// Call Start before any gs:// access in the test binary.
func Start(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		server, bootErr = fakestorage.NewServerWithOptions(fakestorage.Options{
			Scheme:     "http",
			Host:       "127.0.0.1",
			PublicHost: "127.0.0.1",
			Writer:     io.Discard,
		})
		if bootErr != nil {
			return
		}
		u, err := url.Parse(server.URL())
		if err != nil {
			bootErr = err
			return
		}
		bootErr = os.Setenv("STORAGE_EMULATOR_HOST", u.Host)
	})
	if bootErr != nil {
		t.Fatalf("starting fake GCS server: %v", bootErr)
	}
	name := fmt.Sprintf("test-%d-%s", buckets.Add(1), strings.ToLower(sanitize(t.Name())))
	if len(name) > 63 {
		name = name[:63]
	}
	name = strings.TrimRight(name, "-")
	server.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: name})
	return name
}

// sanitize keeps the characters a bucket name may hold.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
