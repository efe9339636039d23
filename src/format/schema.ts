/**
 * JSON schema of the `.bmnb` format, version 1. Unknown fields are allowed everywhere.
 *
 * `description` doubles as the wording of type errors: a type mismatch is reported as
 * `must be <description> (got …)`.
 */
export const NOTEBOOK_SCHEMA = {
  type: 'object',
  required: ['bmnb', 'cells'],
  properties: {
    bmnb: { const: 1, description: 'the number 1' },
    metadata: {
      type: 'object',
      description: 'an object',
      properties: {
        title: { type: 'string', description: 'a string' },
        backend: { type: 'string', description: 'a string' },
      },
    },
    cells: {
      type: 'array',
      description: 'an array of cells',
      items: {
        type: 'object',
        description: 'a cell object with "id", "kind", "language" and "source"',
        required: ['id', 'kind', 'language', 'source'],
        properties: {
          id: { type: 'string', minLength: 1, description: 'a non-empty string' },
          kind: { enum: ['code', 'markdown'] },
          language: { enum: ['typescript', 'javascript', 'markdown'] },
          source: {
            type: 'array',
            description: 'an array of strings, one per line',
            items: { type: 'string', description: 'a string' },
          },
          metadata: {
            type: 'object',
            description: 'an object',
            properties: {
              tags: {
                type: 'array',
                description: 'an array of strings',
                items: { type: 'string', description: 'a string' },
              },
            },
          },
          outputs: {
            type: 'array',
            description: 'an array of outputs',
            items: {
              type: 'object',
              description: 'an output object with "items"',
              required: ['items'],
              properties: {
                items: {
                  type: 'array',
                  description: 'an array of output items',
                  items: {
                    type: 'object',
                    description: 'an output item object with "mime" and "data"',
                    required: ['mime', 'data'],
                    properties: {
                      mime: { type: 'string', minLength: 1, description: 'a MIME type string' },
                      data: {},
                    },
                  },
                },
                metadata: { type: 'object', description: 'an object' },
              },
            },
          },
          execution: {
            type: 'object',
            description: 'an object',
            properties: {
              order: {
                type: ['integer', 'null'],
                minimum: 0,
                description: 'a whole number ≥ 0 or null',
              },
              success: { type: 'boolean', description: 'true or false' },
              durationMs: { type: 'number', minimum: 0, description: 'a number ≥ 0' },
              memory: {
                type: 'object',
                description: 'how the run changed tf.memory(): { tensors, bytes }',
                properties: {
                  tensors: { type: 'integer', description: 'a whole number (negative when the cell freed tensors)' },
                  bytes: { type: 'number', description: 'a number' },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
