package storage_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/supcon/supcon/internal/storage"
)

// Paths are joined so that a gs:// URL keeps its scheme; files are written
// whole (a temporary name, then a rename) and read back the same way on
// either kind of path.
func ExampleWriteFile() {
	fmt.Println(storage.Join("gs://bucket/runs", "r1/config.json"))
	fmt.Println(storage.Dir("gs://bucket/runs/r1/config.json"), storage.IsGCS("gs://bucket/x"))

	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "storage-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	name := storage.Join(tmp, "runs/r1/config.json")
	if err := storage.WriteFile(ctx, name, []byte(`{"epochs":10}`)); err != nil {
		log.Fatal(err)
	}
	b, err := storage.ReadFile(ctx, name)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output:
	// gs://bucket/runs/r1/config.json
	// gs://bucket/runs/r1 true
	// {"epochs":10}
}
