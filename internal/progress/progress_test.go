package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestMeterPlainLines(t *testing.T) {
	var buf bytes.Buffer
	m := New(&buf, "records", 100)
	clock := m.start
	m.now = func() time.Time { return clock }
	clock = clock.Add(5 * time.Second)
	m.Add(10) // not yet: interval is 10 s off a terminal
	if buf.Len() != 0 {
		t.Fatalf("reported early: %q", buf.String())
	}
	clock = clock.Add(5 * time.Second)
	m.Add(10)
	want := "20/100 records (20%), 2/s, 10s elapsed, ETA 40s\n"
	if buf.String() != want {
		t.Errorf("report = %q, want %q", buf.String(), want)
	}
	m.Done()
	if !strings.HasSuffix(buf.String(), "20/100 records (20%), 2/s, 10s elapsed, ETA 40s\n") || strings.Count(buf.String(), "\n") != 2 {
		t.Errorf("final report: %q", buf.String())
	}
}

func TestMeterQuietForShortJobs(t *testing.T) {
	var buf bytes.Buffer
	m := New(&buf, "images", 0)
	m.Add(3)
	m.Done()
	if buf.Len() != 0 {
		t.Errorf("a job shorter than the interval printed %q", buf.String())
	}
	if got := m.Line(); !strings.HasPrefix(got, "3 images, ") {
		t.Errorf("Line = %q", got)
	}
}
