package fakeaws_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// TestConcurrentUse runs SDK calls, password checks, inspection and fault
// changes at once; -race does the judging, the counts the rest.
func TestConcurrentUse(t *testing.T) {
	const (
		workers = 8
		each    = 10
	)
	s, _ := startFake(t, nil)
	useStaticKeys(t)
	cfg := loadConfig(t)
	client := awsecr.NewFromConfig(cfg)

	passwords := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				out, err := client.GetAuthorizationToken(context.Background(), &awsecr.GetAuthorizationTokenInput{})
				if err != nil {
					t.Errorf("GetAuthorizationToken: %v", err)
					return
				}
				_, password := decodeToken(t, aws.ToString(out.AuthorizationData[0].AuthorizationToken))
				if !s.ValidPassword("AWS", password) {
					t.Error("ValidPassword(issued) = false under concurrency")
				}
				passwords <- password
			}
		})
	}
	// Inspection and fault changes alongside the calls; the fault changes
	// nothing observable (a 1ns delay on an action not called) but takes
	// the same lock.
	wg.Go(func() {
		for range workers * each {
			s.SetFault("GetCallerIdentity", fakeaws.Fault{Delay: 1})
			_ = s.Calls()
			_ = s.Count("ecr", "GetAuthorizationToken")
			_ = s.ValidPassword("AWS", "not-issued")
			s.ClearFaults()
		}
	})
	wg.Wait()
	close(passwords)

	seen := map[string]bool{}
	for p := range passwords {
		if seen[p] {
			t.Error("a password was issued twice")
		}
		seen[p] = true
	}
	if len(seen) != workers*each {
		t.Errorf("got %d distinct passwords, want %d", len(seen), workers*each)
	}
	if n := s.Count("ecr", "GetAuthorizationToken"); n != workers*each {
		t.Errorf("Count(ecr, GetAuthorizationToken) = %d, want %d", n, workers*each)
	}
	s.Reset()
	if n := len(s.Calls()); n != 0 {
		t.Errorf("len(Calls()) after Reset = %d, want 0", n)
	}
}
