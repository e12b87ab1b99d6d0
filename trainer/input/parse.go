package input

import (
	"context"
	"sync"
)

// parseChunk is how many records go to a parsing worker at a time.
const parseChunk = 8

// chunk is a run of framed items, parsed by one worker.
type chunk struct {
	items []item
	done  chan struct{}
}

// parser frames records on one goroutine and parses them on several,
// handing them back in stream order. At most 2·workers+1 chunks are ahead of
// the consumer.
type parser struct {
	ordered chan *chunk
	cur     *chunk
	pos     int
	wg      sync.WaitGroup
	end     item // the last item, repeated once the stream has ended
	ended   bool
}

func startParser(ctx context.Context, f *framer, workers int) *parser {
	p := &parser{ordered: make(chan *chunk, workers)}
	jobs := make(chan *chunk, workers)
	p.wg.Add(1 + workers)
	for i := 0; i < workers; i++ {
		go func() {
			defer p.wg.Done()
			for c := range jobs {
				for i := range c.items {
					c.items[i].parse()
				}
				close(c.done)
			}
		}()
	}
	go func() {
		defer p.wg.Done()
		defer close(p.ordered)
		defer close(jobs)
		defer f.close()
		for {
			c := &chunk{done: make(chan struct{})}
			last := false
			for len(c.items) < parseChunk && !last {
				it := f.next()
				c.items = append(c.items, it)
				last = it.eof || it.err != nil
			}
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
			select {
			case p.ordered <- c:
			case <-ctx.Done():
				return
			}
			if last {
				return
			}
		}
	}()
	return p
}

// next returns the next item in stream order.
func (p *parser) next() item {
	if p.ended {
		return p.end
	}
	if p.cur == nil || p.pos == len(p.cur.items) {
		c, ok := <-p.ordered
		if !ok {
			p.ended, p.end = true, item{err: context.Canceled}
			return p.end
		}
		<-c.done
		p.cur, p.pos = c, 0
	}
	it := p.cur.items[p.pos]
	p.cur.items[p.pos] = item{}
	p.pos++
	if it.eof || it.err != nil {
		p.ended, p.end = true, item{eof: it.eof, err: it.err}
	}
	return it
}

// stop waits for the goroutines after the context is cancelled.
func (p *parser) stop() {
	for c := range p.ordered {
		<-c.done
	}
	p.wg.Wait()
}
