import { visibilityClass } from '../../src/policy/visibility-class.js';
import { anonymousViewer, type Viewer } from '../../src/policy/viewer.js';
import { KeyScope, Role } from '../../src/policy/role.js';

/** Live updates are executed once per visibility class (issue #13): the class must split whatever changes what a viewer sees. */
const courier = (over: Partial<Viewer> = {}): Viewer => ({
  ...anonymousViewer('127.0.0.1'),
  credential: 'api_key',
  role: Role.COURIER,
  scopes: [KeyScope.READ],
  actor: 'k1',
  organisationId: 7,
  organisationName: 'ZTO Linyi',
  courierId: 3,
  ...over,
});

describe('visibilityClass', () => {
  it('is shared by two keys, addresses and names of the same organisation and role', () => {
    expect(visibilityClass(courier({ actor: 'k2', ip: '10.0.0.9', organisationName: 'renamed' }))).toBe(visibilityClass(courier()));
  });

  it('splits by role, organisation, courier, platform and scopes', () => {
    const base = visibilityClass(courier());
    for (const other of [
      courier({ role: Role.PLATFORM }),
      courier({ organisationId: 8 }),
      courier({ courierId: 4 }),
      courier({ platformId: 2 }),
      courier({ scopes: [KeyScope.READ, KeyScope.WRITE] }),
    ]) {
      expect(visibilityClass(other)).not.toBe(base);
    }
  });

  it('gives an admin with an unmask reason a class of its own, whatever the reason', () => {
    const admin = courier({ role: Role.ADMIN, courierId: null });
    const clear = visibilityClass({ ...admin, unmaskReason: 'ticket 1' });
    expect(clear).not.toBe(visibilityClass(admin));
    expect(visibilityClass({ ...admin, unmaskReason: 'ticket 2' })).toBe(clear);
  });

  it('splits on any viewer field it does not know to be identity only (fails closed)', () => {
    expect(visibilityClass({ ...courier(), regionScope: '1408' } as Viewer)).not.toBe(visibilityClass(courier()));
  });
});
