import { MACHINE_CALLERS_ACCEPTED } from '../contract';
import { optionalEnv } from '../shared/env';

/** Whether this route accepts machine callers (MACHINE_CALLERS, from config `api.routes[].machines`). */
export const acceptsMachineCallers = optionalEnv('MACHINE_CALLERS') === MACHINE_CALLERS_ACCEPTED;
