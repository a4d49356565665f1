// trove-client for Node 20+: the global WebSocket when the runtime has one
// (Node 22), else the optional peer dependency `ws`.
import { TroveClient as BrowserClient, type WebSocketConstructor } from './client.js';

export * from './index.js';

export class TroveClient<D = unknown> extends BrowserClient<D> {
  protected override async webSocketConstructor(): Promise<WebSocketConstructor> {
    try {
      return await super.webSocketConstructor();
    } catch {
      const ws = await import('ws');
      return (ws.WebSocket ?? ws.default) as unknown as WebSocketConstructor;
    }
  }
}
