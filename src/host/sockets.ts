// The host side of the Net device (src/kernel/net.ts): real TCP sockets on
// the kernel thread's event loop, which the kernel loop never blocks (it
// parks on its doorbell asynchronously and turns the event loop while busy).
// Every socket event is handed to the core at once, and `after` carries out
// what the core decided (answers to blocked tasks) and publishes them.
//
// Sockets are made paused (pauseOnConnect) and read only once their
// Connection exists and its ring has room; the core says when (reading()).
// Half-open sockets are allowed: a peer's FIN ends the stream for reading
// while the Connection may still send.

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { NetDevice, SocketHost } from '../kernel/net.ts';

/** How long a closed socket may take to send what was written to it before it is destroyed. */
const LINGER_MS = 5000;

export class HostSockets implements SocketHost {
  private readonly servers = new Map<number, Server>();
  private readonly sockets = new Map<number, Socket>();
  /** Sockets the core closed that still send what they were given. */
  private readonly lingering = new Set<Socket>();
  private nextSocket = 1;

  constructor(
    private readonly device: NetDevice,
    /** Carries out the core's decisions after each event. */
    private readonly after: () => void,
  ) {}

  listen(id: number, host: string, port: number): void {
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true });
    this.servers.set(id, server);
    server.on('connection', (socket) => {
      const sid = this.nextSocket++;
      this.sockets.set(sid, socket);
      this.watch(sid, socket);
      this.device.arrived(id, sid);
      this.after();
    });
    server.once('listening', () => {
      this.device.listening(id, (server.address() as AddressInfo).port);
      this.after();
    });
    server.on('error', () => {
      this.servers.delete(id);
      server.close();
      this.device.listenFailed(id);
      this.after();
    });
    server.listen({ host, port, backlog: 511, exclusive: true });
  }

  private watch(sid: number, socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.device.connections.data(sid, chunk);
      this.after();
    });
    socket.on('end', () => {
      this.device.connections.peerEnded(sid);
      this.after();
    });
    socket.on('drain', () => {
      this.device.connections.drained(sid);
      this.after();
    });
    // An error (a reset, say) is followed by 'close', which tells the core.
    socket.on('error', () => {});
    socket.on('close', (hadError) => {
      if (!this.sockets.delete(sid)) return;
      this.device.closed(sid, hadError);
      this.after();
    });
  }

  unlisten(id: number): void {
    const server = this.servers.get(id);
    if (!server) return;
    this.servers.delete(id);
    server.close();
  }

  reading(socket: number, on: boolean): void {
    const s = this.sockets.get(socket);
    if (!s) return;
    if (on) s.resume();
    else s.pause();
  }

  write(socket: number, bytes: Uint8Array): number {
    const s = this.sockets.get(socket);
    if (!s || s.destroyed) return 0;
    s.write(bytes);
    return s.writableLength;
  }

  end(socket: number): void {
    this.sockets.get(socket)?.end();
  }

  /**
   * Closes a socket for the core: at once when nothing is left to send;
   * otherwise, as close(2) does, what was sent still goes, then a FIN, and
   * the socket is destroyed once it is out (at most LINGER_MS later).
   */
  close(socket: number): void {
    const s = this.sockets.get(socket);
    if (!s) return;
    this.sockets.delete(socket);
    if (s.writableLength === 0 || s.destroyed) {
      s.destroy();
      return;
    }
    const late = setTimeout(() => s.destroy(), LINGER_MS);
    late.unref();
    this.lingering.add(s);
    s.once('close', () => {
      clearTimeout(late);
      this.lingering.delete(s);
    });
    s.on('data', () => {}); // a half-open peer may still send: read it into nothing
    s.end(() => s.destroy());
  }

  /** Sockets and servers open now. */
  open(): { servers: number; sockets: number } {
    return { servers: this.servers.size, sockets: this.sockets.size };
  }

  /** Closes everything (a halting or shut-down system). */
  closeAll(): void {
    for (const server of this.servers.values()) server.close();
    this.servers.clear();
    for (const s of [...this.sockets.values(), ...this.lingering]) s.destroy();
    this.sockets.clear();
    this.lingering.clear();
  }
}
