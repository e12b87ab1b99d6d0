package run

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckpointDamage(t *testing.T) {
	ctx := context.Background()
	path := toyCheckpoint(t, Dir(t.TempDir()), 3)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCheckpoint(ctx, path); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.ckpt")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "checksum"},
		{"flipped", append(append([]byte{}, good[:100]...), append([]byte{good[100] ^ 1}, good[101:]...)...), "checksum"},
		{"not a checkpoint", []byte("hello, world, this is text"), "not a supcon checkpoint"},
		{"empty", nil, "not a supcon checkpoint"},
	} {
		os.WriteFile(bad, tc.data, 0o644)
		if _, err := ReadCheckpoint(ctx, bad); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// A damaged header cannot make ReadCheckpoint allocate more than the file
// holds, even with a valid checksum.
func TestCheckpointHeaderClaims(t *testing.T) {
	for _, head := range []string{
		`{"step":1,"spec":{"encoder":"mlp","channels":1,"height":65536,"width":65536},"tensors":[],"optimizer_bytes":0}`,
		`{"step":1,"spec":{"encoder":"cnn-small","channels":1,"height":8,"width":8,"projection_dim":268435456},"tensors":[],"optimizer_bytes":0}`,
		`{"step":1,"spec":{"encoder":"cnn-small","channels":1,"height":8,"width":8},"tensors":[{"name":"x","shape":[1099511627776,1099511627776]}],"optimizer_bytes":0}`,
		`{"step":1,"spec":{"encoder":"cnn-small","channels":1,"height":8,"width":8},"tensors":[],"optimizer_bytes":-5}`,
	} {
		var b bytes.Buffer
		b.WriteString(checkpointMagic)
		b.WriteByte(checkpointVersion)
		binary.Write(&b, binary.LittleEndian, uint32(len(head)))
		b.WriteString(head)
		binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), castagnoli))
		path := filepath.Join(t.TempDir(), "x.ckpt")
		os.WriteFile(path, b.Bytes(), 0o644)
		if _, err := ReadCheckpoint(context.Background(), path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("header %s: %v", head, err)
		}
	}
}
