export function writeRequestCounts(_counts: Record<string, number>): void {}
