package main

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// echoServer accepts connections on 127.0.0.1 and echoes every byte back until the client
// closes its write side.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestDelayProxyOrderAndDelay sends a large pattern through the proxy to an echo server in many
// small writes and checks that it comes back byte for byte, and that the first echo took at
// least the round trip (plus the emulated handshake). Only lower bounds are asserted: the
// machine is shared and may be slow.
func TestDelayProxyOrderAndDelay(t *testing.T) {
	const rtt = 40 * time.Millisecond
	p, err := startDelayProxy(echoServer(t), rtt)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	start := time.Now()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The first byte: client → server → client, each way rtt/2, after the handshake's rtt.
	if _, err := c.Write([]byte{'x'}); err != nil {
		t.Fatal(err)
	}
	one := make([]byte, 1)
	if _, err := io.ReadFull(c, one); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < 2*rtt {
		t.Fatalf("first echo after %v, want at least %v (handshake + one round trip)", got, 2*rtt)
	}
	// A second exchange on the warm connection costs one round trip.
	t0 := time.Now()
	if _, err := c.Write([]byte{'y'}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, one); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(t0); got < rtt {
		t.Fatalf("second echo after %v, want at least %v", got, rtt)
	}

	// Order: 4 MiB of a non-repeating pattern in writes of odd sizes.
	want := make([]byte, 4<<20)
	for i := range want {
		want[i] = byte(i*7 + i/251)
	}
	done := make(chan []byte)
	go func() {
		got, _ := io.ReadAll(c)
		done <- got
	}()
	for rest := want; len(rest) > 0; {
		n := min(len(rest), 1+len(rest)%9973)
		if _, err := c.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("echo differs: got %d bytes, want %d; first difference at byte %d", len(got), len(want), i)
	}
}

// TestDelayProxyZero forwards without delay and closes cleanly with a connection open.
func TestDelayProxyZero(t *testing.T) {
	p, err := startDelayProxy(echoServer(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("got %q, %v", buf, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
