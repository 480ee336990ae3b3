// The live inspector of one system: its server, bound before the system
// boots (so a bad address fails boot with nothing started), and its watch,
// attached once the kernel thread answers. boot() owns it: it is closed at
// shutdown, before the kernel thread stops.

import { pageFiles } from './assets.ts';
import type { ControlRequest, ControlView, Hello } from './protocol.ts';
import { InspectError, InspectServer, Refusal } from './server.ts';
import { type Ending, type SampleSource, TIMING, Watch, type WatchTiming } from './watch.ts';

export const READ_ONLY = 'the system is not in controlled mode, so the inspector only watches it: boot it with a schedule (caduceus stress --controlled, caduceus replay --inspect) to pause and step it';

export class LiveInspector {
  private watch: Watch | null = null;
  /** How the system ended, when that was heard before the watch began. */
  private ending: Ending | null = null;

  private constructor(
    private readonly server: InspectServer,
    private readonly title: string,
  ) {}

  /** Binds host:port and readies the page; rejects with an InspectError (bad address, page missing). */
  static async open(host: string, port: number, title: string): Promise<LiveInspector> {
    let page;
    try {
      page = await pageFiles();
    } catch (error) {
      throw new InspectError((error as Error).message);
    }
    let inspector: LiveInspector | undefined;
    const server = await InspectServer.listen(host, port, {
      hello: () => inspector?.hello() ?? { mode: 'live', title, controllable: false, history: [], live: null, state: null, ended: null, notes: [] },
      control: (request) => (inspector as LiveInspector).control(request),
      readOnly: READ_ONLY,
    }, page);
    inspector = new LiveInspector(server, title);
    return inspector;
  }

  get url(): string {
    return this.server.url;
  }

  /** Starts watching the system. */
  attach(source: SampleSource, timing: WatchTiming = TIMING): void {
    this.watch = new Watch(source, {
      live: (view) => this.server.broadcast('live', view),
      state: (view) => this.server.broadcast('state', view),
      end: (view) => this.server.broadcast('end', view),
    }, timing);
    this.watch.start();
    if (this.ending) this.watch.finish(this.ending);
  }

  hello(): Hello {
    const w = this.watch;
    return {
      mode: 'live',
      title: this.title,
      controllable: w?.controllable ?? false,
      history: w?.history ?? [],
      live: w?.live ?? null,
      state: w?.state ?? null,
      ended: w?.ended ?? null,
      notes: [],
    };
  }

  private async control(request: ControlRequest): Promise<ControlView> {
    const w = this.watch;
    if (w?.ended) throw new Refusal(409, 'the run has ended: there is nothing left to step');
    if (!w?.controllable) throw new Refusal(403, READ_ONLY);
    try {
      return await w.steer(request);
    } catch (error) {
      // A step already taken (a RangeError on the kernel thread, which arrives by its name).
      if ((error as Error).name === 'RangeError') throw new Refusal(409, (error as Error).message);
      throw error;
    }
  }

  /** The system has ended (init exited, or it failed): the page keeps its last state. */
  finish(ending: Ending): void {
    if (this.watch) this.watch.finish(ending);
    else this.ending = ending;
  }

  /** Stops watching and closes the server (every page's stream and socket). */
  async close(): Promise<void> {
    await this.watch?.stop();
    await this.server.close();
  }
}
