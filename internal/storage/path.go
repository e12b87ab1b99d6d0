package storage

import (
	"path"
	"strings"
)

// Dir returns the folder part of a local path or gs:// URL ("" for a bare
// local name). Unlike path.Dir it never collapses the "gs://" scheme.
func Dir(name string) string {
	if IsGCS(name) {
		if i := strings.LastIndex(name, "/"); i >= len("gs://") {
			return name[:i]
		}
		return name
	}
	d := path.Dir(strings.ReplaceAll(name, "\\", "/"))
	if d == "." && !strings.HasPrefix(name, "./") {
		return ""
	}
	return d
}

// Base returns the last element of a local path or gs:// URL.
func Base(name string) string {
	return name[strings.LastIndex(name, "/")+1:]
}

// Join joins a folder (local or gs://) and a name with one "/"; an empty
// folder gives the name alone. Unlike path.Join or filepath.Join it keeps
// "gs://bucket" intact.
func Join(dir, name string) string {
	if dir == "" {
		return name
	}
	return strings.TrimSuffix(dir, "/") + "/" + name
}
