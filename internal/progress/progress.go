// Package progress shows how a long command is going: on a terminal, one
// line rewritten in place (count, rate, ETA when the total is known);
// elsewhere, a plain log line every interval, so logs stay readable.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// Meter counts work done and reports it. It is safe for concurrent use.
type Meter struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	what     string
	total    int64
	done     int64
	start    time.Time
	last     time.Time
	interval time.Duration
	now      func() time.Time
	shown    bool
}

// New returns a Meter counting units of what (e.g. "records") towards
// total (0 if unknown), reporting to w. Reports go in place on a terminal
// at most every 200 ms, and as plain lines at most every 10 s otherwise.
func New(w io.Writer, what string, total int64) *Meter {
	m := &Meter{w: w, what: what, total: total, now: time.Now, interval: 10 * time.Second}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		m.tty = true
		m.interval = 200 * time.Millisecond
	}
	m.start = m.now()
	m.last = m.start
	return m
}

// Add counts n more units done and reports if it is time to.
func (m *Meter) Add(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done += n
	if t := m.now(); t.Sub(m.last) >= m.interval {
		m.last = t
		m.report(t, false)
	}
}

// Done writes the final report and ends the in-place line.
func (m *Meter) Done() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.shown {
		return // a short job: the command's own summary says it all
	}
	m.report(m.now(), true)
}

// Line returns the current report as text.
func (m *Meter) Line() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.line(m.now())
}

func (m *Meter) line(t time.Time) string {
	el := t.Sub(m.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(m.done) / el
	}
	s := fmt.Sprintf("%d %s", m.done, m.what)
	if m.total > 0 {
		s = fmt.Sprintf("%d/%d %s (%.0f%%)", m.done, m.total, m.what, 100*float64(m.done)/float64(m.total))
	}
	s += fmt.Sprintf(", %.0f/s, %s elapsed", rate, time.Duration(el*float64(time.Second)).Round(time.Second))
	if m.total > 0 && rate > 0 && m.done < m.total {
		eta := time.Duration(float64(m.total-m.done) / rate * float64(time.Second))
		s += fmt.Sprintf(", ETA %s", eta.Round(time.Second))
	}
	return s
}

func (m *Meter) report(t time.Time, final bool) {
	m.shown = true
	if m.tty {
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(m.w, "\r\033[K%s%s", m.line(t), end)
		return
	}
	fmt.Fprintln(m.w, m.line(t))
}
