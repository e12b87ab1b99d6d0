// Package storage is the project's one seam to files: local paths and gs://
// URLs behind the same calls (Create, Open, Glob, Stat, Rename, Remove),
// listing a whole tree (Walk, SubDirs), atomic whole-file writes (WriteFile),
// and path helpers (Join, Dir, Base) that keep a gs:// scheme intact.
//
// Google Cloud Storage is reached through the official client with
// Application Default Credentials, or through STORAGE_EMULATOR_HOST when it is
// set (tests use an in-process fake server, see internal/gcstest).
package storage
