import { Redis, type Command } from 'ioredis';

type WriteableStream = Parameters<Redis['sendCommand']>[1];

/**
 * An ioredis client that sends every command of one event-loop turn in one socket write.
 *
 * Under load a replica handles several requests per turn, each sending its own commands;
 * one write per command costs a syscall here and a wake-up in Redis. Corking the socket on
 * the first command of a turn and uncorking it in `setImmediate` (after the turn's I/O
 * callbacks) writes them together. Unlike ioredis' `enableAutoPipelining`, each command
 * keeps its own promise and timeout and batches never wait for each other, so a frozen
 * Redis fails every command after one command timeout, not after a queue of them.
 */
export class CoalescingRedis extends Redis {
  private corked = false;

  override sendCommand(command: Command, stream?: WriteableStream): unknown {
    const socket = this.stream;
    if (!this.corked && this.status === 'ready' && socket?.writable) {
      this.corked = true;
      socket.cork();
      setImmediate(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    return super.sendCommand(command, stream);
  }
}
