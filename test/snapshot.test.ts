import { maskAssetHashes, SHIPPED_STAGES, synthShipped } from './helpers/app';

// One whole-app snapshot per stage. A diff here is a change to what `cdk deploy` would do:
// review it like infrastructure, then run `npm test -- -u` to accept it.
describe.each(SHIPPED_STAGES)('synthesized templates (%s)', (stage) => {
  const { templates } = synthShipped(stage);

  it.each(Object.keys(templates))('%s stack matches the snapshot', (key) => {
    const template = templates[key as keyof typeof templates]!.toJSON();
    expect(maskAssetHashes(template)).toMatchSnapshot();
  });
});
