// The workflow bundle's entry point: every workflow type the worker serves is exported here.
export { smokeWorkflow } from './smoke';
