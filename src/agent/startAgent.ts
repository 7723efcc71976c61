import type { Clock } from '../clock/Clock.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { Logger } from '../log/Logger.ts';
import { agentAnswers, type AgentAnswerDeps } from './agentAnswers.ts';
import { startAgentServer, type AgentListen, type AgentServer } from './startAgentServer.ts';

export interface StartAgentOptions {
  /** The Agent section the process started with: where to listen. */
  agent: AgentConfig;
  /** The Agent section now in force (pool and weight follow a live reload). */
  getAgent: () => AgentConfig;
  verdicts: AgentAnswerDeps['verdicts'];
  clock: Clock;
  logger: Logger;
  /** A socket already listening (systemd socket activation); default: `agent.host`:`agent.port`. */
  listen?: AgentListen;
}

/** The HAProxy agent of `deadpool web`: its answers and its listener, closed together. */
export async function startAgent(options: StartAgentOptions): Promise<AgentServer> {
  const answers = agentAnswers({ verdicts: options.verdicts, getAgent: options.getAgent, clock: options.clock });
  try {
    const server = await startAgentServer({
      listen: options.listen ?? { host: options.agent.host, port: options.agent.port },
      line: answers.line,
      onError: (error) => options.logger.error(`HAProxy agent answer failed: ${error instanceof Error ? error.message : String(error)}`, { component: 'agent' }),
    });
    return {
      address: server.address,
      close: async () => {
        answers.close();
        await server.close();
      },
    };
  } catch (error) {
    answers.close();
    throw error;
  }
}
