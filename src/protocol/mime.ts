/** MIME types of outputs (see docs/architecture.md). */
export const MIME = {
  text: 'text/plain',
  tensor: 'application/vnd.bmnb.tensor+json',
  modelSummary: 'application/vnd.bmnb.model-summary+json',
  training: 'application/vnd.bmnb.training+json',
  chart: 'application/vnd.bmnb.chart+json',
  stdout: 'application/vnd.code.notebook.stdout',
  stderr: 'application/vnd.code.notebook.stderr',
  error: 'application/vnd.code.notebook.error',
} as const;
