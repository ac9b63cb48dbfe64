package cache

import (
	"fmt"
	"testing"
	"time"
)

// benchEntry is the size of a real ECR token entry (a ~2.9 KiB secret).
func benchEntry() Entry {
	e := sampleEntry()
	e.FetchedAt = time.Now()
	e.ExpiresAt = e.FetchedAt.Add(12 * time.Hour)
	return e
}

func BenchmarkGetHit(b *testing.B) {
	c, _ := openTestCache(b, Options{})
	benchmarkGetHit(b, c)
}

// BenchmarkGetHit10000 is BenchmarkGetHit with 10,000 other entries in the
// directory; a hit reads one file by name, so it must cost the same.
func BenchmarkGetHit10000(b *testing.B) {
	c, dir := openTestCache(b, Options{})
	e := benchEntry()
	data := mustEncode(b, e)
	for i := range 10000 {
		writeRaw(b, dir, Key("other", fmt.Sprint(i))+entrySuffix, data, e.ExpiresAt)
	}
	benchmarkGetHit(b, c)
}

func benchmarkGetHit(b *testing.B, c *Cache) {
	key := Key("profile", "123456789012", "us-east-1")
	if err := c.Put(key, benchEntry()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenGetHit is what the front binary does per docker pull.
func BenchmarkOpenGetHit(b *testing.B) {
	_, dir := openTestCache(b, Options{})
	key := Key("profile", "123456789012", "us-east-1")
	c, _ := Open(dir, Options{})
	if err := c.Put(key, benchEntry()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Get(key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetMiss(b *testing.B) {
	c, _ := openTestCache(b, Options{})
	key := Key("absent")
	b.ReportAllocs()
	for b.Loop() {
		c.Get(key)
	}
}

// BenchmarkPut is dominated by the two fsyncs (file and directory) that
// make a Put durable.
func BenchmarkPut(b *testing.B) {
	c, _ := openTestCache(b, Options{})
	key := Key("profile", "123456789012", "us-east-1")
	e := benchEntry()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Put(key, e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Key("default", "AKIAIOSFODNN7EXAMPLE", "arn:aws:iam::123456789012:role/ci", "123456789012.dkr.ecr.us-east-1.amazonaws.com")
	}
}

func BenchmarkLockUnlock(b *testing.B) {
	c, _ := openTestCache(b, Options{})
	key := Key("lock")
	b.ReportAllocs()
	for b.Loop() {
		unlock, err := c.Lock(b.Context(), key)
		if err != nil {
			b.Fatal(err)
		}
		unlock()
	}
}
