// The two undici files core/http.ts loads directly (see its comment): the Agent class and
// the function undici's index installs as Dispatcher.prototype.request.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const AgentClass: typeof Agent;
  export default AgentClass;
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  function request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  export default request;
}

// undici's connector (core/connect.js): typed there as returning void, but it returns the
// socket it is connecting (http-connector.ts keeps it, to end a connect nobody waits for).
declare module 'undici/lib/core/connect.js' {
  import type { Socket } from 'node:net';
  import type { buildConnector } from 'undici';
  function build(options?: buildConnector.BuildOptions): (options: buildConnector.Options, callback: buildConnector.Callback) => Socket;
  export default build;
}
