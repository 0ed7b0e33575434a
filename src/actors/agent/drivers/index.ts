/** The drivers by name: the one place that lists them. */
import type { AgentDriverName } from '../../../machines/agent-context.js';
import { claudeDriver } from './claude.js';
import { codexDriver } from './codex.js';
import { geminiDriver } from './gemini.js';
import type { AgentDriver } from './driver.js';

/** @example drivers.claude.defaultBin // 'claude' */
export const drivers: Readonly<Record<AgentDriverName, AgentDriver>> = { claude: claudeDriver, codex: codexDriver, gemini: geminiDriver };
