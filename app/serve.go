package app

import (
	"io"
	"net"
	"time"
)

// Serve answers HTTP on ln until the server shuts down.
func (a *App) Serve(ln net.Listener) error { return a.HTTP.Listener(lingering{ln}) }

// How long, and how much, a closing connection goes on reading what the
// client still sends: a refused upload (the largest body is 3 MB).
const (
	lingerFor = 2 * time.Second
	lingerMax = 4 << 20
)

// lingering hands out connections that close the way careful servers do
// (nginx's "lingering close"). A body over its limit is answered 413 from
// its Content-Length, without being read; closing the connection at once,
// with the body still arriving, makes the kernel reset it, and the reset
// can wipe out the 413 before the client reads it: the shopper sees a
// broken connection instead of a page. So a connection first stops
// writing, then reads and drops what the client still sends, for a
// moment, and only then closes.
type lingering struct{ net.Listener }

func (l lingering) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		return lingeringConn{tcp}, nil
	}
	return c, nil
}

type lingeringConn struct{ *net.TCPConn }

func (c lingeringConn) Close() error {
	if err := c.CloseWrite(); err != nil {
		return c.TCPConn.Close()
	}
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(lingerFor))
		_, _ = io.CopyN(io.Discard, c.TCPConn, lingerMax)
		_ = c.TCPConn.Close()
	}()
	return nil
}
