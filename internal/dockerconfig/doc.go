// Package dockerconfig reads and edits docker's config.json for ecrlogin:
// which registries docker sends to which credential helper (credHelpers),
// the catch-all helper (credsStore), and the hosts with stored logins
// (auths). It is what `ecrlogin configure` writes and what a diagnosis
// reads.
//
// The file belongs to docker and to every other tool that edits it, so the
// package holds it as raw JSON, one value per top-level key, and decodes
// only credHelpers, credsStore and the keys of auths. Every other key keeps
// its value (re-indented, never re-interpreted), and an edit that changes
// nothing writes nothing. A file that is not a JSON object, or whose
// credHelpers is not an object of strings, is refused with its line and
// column, never repaired.
//
// Update is safe across processes on a local disk: it holds a lock file
// beside config.json across the read, the edit and the write, so
// concurrent runs each see the other's entries. The write is atomic (a
// temporary file in the same directory, fsync, rename), keeps the file's
// mode and owner, and follows a symlinked config.json to its target. On
// systems without flock (Windows) the lock excludes nothing; the write is
// still atomic, so the file is always valid JSON, but one of two
// simultaneous edits may be lost.
package dockerconfig
