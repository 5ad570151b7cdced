export { freePort } from './ports';
export {
  testRedisUrl,
  uniquePrefix,
  testRedis,
  deleteKeys,
  startPrivateRedis,
  type PrivateRedis,
} from './redis';
export {
  nodeFlags,
  startApp,
  stopAll,
  type AppName,
  type AppProcess,
  type StartOptions,
} from './app-process';
export {
  FakeUpstream,
  type FakeBehaviour,
  type FakeRequest,
  type FakeUpstreamOptions,
} from './fake-upstream';
