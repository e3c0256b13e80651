/** The floor's activity: does nothing, so a step costs only what the engine adds. Registered only by the bench's floor worker. */
export async function noop(): Promise<void> {}
