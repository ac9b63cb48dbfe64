// Package fetchcmd is the fetch protocol between the front binary,
// docker-credential-ecrlogin, and its companion `ecrlogin fetch`, both
// sides of it in one place.
//
// The front links neither the AWS SDK nor net/http, so on a cache miss it
// runs `ecrlogin fetch` (Client, an ecr.Fetcher). The request, an
// ecr.FetchRequest as one JSON document, goes on the child's standard
// input; the reply, one JSON Reply holding a token or an *ecr.Error, comes
// back on its standard output (Serve writes it). Neither is ever in argv
// or the environment, where other users of the machine could read them.
// The child inherits the front's environment unchanged, so the AWS SDK in
// it reads exactly the environment the front's cache key was computed
// from (see ecr.ResolveIdentity).
//
// A failure is a reply too, with exit status 1, so the front can tell an
// answer from AWS from a crash. An *ecr.Error crosses as its fields; its
// cause (Err) does not, and its Code stands for it, so errors.Is against
// the ecr sentinels works the same on both sides.
package fetchcmd
