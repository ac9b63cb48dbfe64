package dockerconfig

import (
	"errors"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// FuzzEdit checks the editor's promise on any input: a file it accepts
// comes out as a valid JSON object in which every key it does not own
// decodes to the same value as before; every host asked for maps to
// ecrlogin; and a second edit changes nothing. The seed corpus is in
// testdata/fuzz/FuzzEdit.
func FuzzEdit(f *testing.F) {
	f.Add([]byte(`{"auths":{"public.ecr.aws":{}},"credsStore":"ecr-login","x":[1,{"y":"\u00e9"}]}`), "111122223333.dkr.ecr.us-east-1.amazonaws.com", true)
	f.Fuzz(func(t *testing.T, data []byte, host string, migrate bool) {
		c, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error %v does not wrap ErrMalformed", err)
			}
			return
		}
		e := Edit{Hosts: []string{host}, Migrate: migrate}
		reg, hostErr := ecr.ParseHost(host)
		changes, out, err := c.Apply(e)
		if hostErr != nil {
			if !errors.Is(err, ecr.ErrNotECR) || out != nil {
				t.Fatalf("Apply(%q) = %q, %v; want ErrNotECR and no file", host, out, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		if len(changes) == 0 {
			if out != nil || c.CredHelpers()[reg.Host] != HelperName {
				t.Fatalf("no changes, but out = %q and %s maps to %q", out, reg.Host, c.CredHelpers()[reg.Host])
			}
			return
		}
		if err := keptError(data, out, e); err != nil {
			t.Fatal(err)
		}
		c2, err := Parse(out)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if got := c2.CredHelpers()[reg.Host]; got != HelperName {
			t.Fatalf("after Apply, %s maps to %q", reg.Host, got)
		}
		if migrate && c2.CredsStore() == IncumbentName {
			t.Fatalf("after a migrate the credsStore is still %q", IncumbentName)
		}
		if changes, out, err := c2.Apply(e); len(changes) != 0 || out != nil || err != nil {
			t.Fatalf("second Apply = %v, %q, %v; want nothing", changes, out, err)
		}
	})
}
