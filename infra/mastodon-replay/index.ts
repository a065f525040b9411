// Public surface of the replay server over recorded Mastodon answers.
export {
  startReplayServer,
  rewriteLink,
  type ReplayOptions,
  type ReplayServer,
  type ServedRequest,
  type UnmatchedRequest,
} from './server';
export {
  CASSETTES_DIR,
  CASSETTES_DIR_URL,
  listCassettes,
  loadAnswers,
  requestKey,
  type RecordedAnswer,
} from './cassette';
