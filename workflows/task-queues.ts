/** The three task queues of SPEC §4. One dev process may serve all of them. */
export const TASK_QUEUES = ['qmtl-control', 'qmtl-data', 'qmtl-exec'] as const;
export type TaskQueue = (typeof TASK_QUEUES)[number];

export const CONTROL_QUEUE: TaskQueue = 'qmtl-control';
export const DATA_QUEUE: TaskQueue = 'qmtl-data';
export const EXEC_QUEUE: TaskQueue = 'qmtl-exec';
