import { describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { inspectDirs, resolveDirs } from '../../../../src/core/config/dirs.js';

const home = '/home/ada';

describe('resolveDirs', () => {
  it('falls back to ~/.config, ~/.local/share and ~/.local/state', () => {
    expect(resolveDirs({}, home)).toEqual({
      config: '/home/ada/.config/exai',
      data: '/home/ada/.local/share/exai',
      state: '/home/ada/.local/state/exai',
    });
  });

  it('follows XDG_*_HOME', () => {
    const env = { XDG_CONFIG_HOME: '/x/cfg', XDG_DATA_HOME: '/x/data', XDG_STATE_HOME: '/x/state' };
    expect(resolveDirs(env, home)).toEqual({ config: '/x/cfg/exai', data: '/x/data/exai', state: '/x/state/exai' });
  });

  it('prefers EXAI_*_DIR over XDG, used as-is', () => {
    const env = { XDG_CONFIG_HOME: '/x/cfg', EXAI_CONFIG_DIR: '/exai/c', EXAI_DATA_DIR: '/exai/d', EXAI_STATE_DIR: '/exai/s/' };
    expect(resolveDirs(env, home)).toEqual({ config: '/exai/c', data: '/exai/d', state: '/exai/s/' });
  });

  it('treats empty values as unset and reports where each dir came from', () => {
    const { sources } = inspectDirs({ EXAI_DATA_DIR: '', XDG_DATA_HOME: '/x/data', EXAI_STATE_DIR: '/s' }, home);
    expect(sources).toEqual({
      config: { kind: 'default' },
      data: { kind: 'env', name: 'XDG_DATA_HOME' },
      state: { kind: 'env', name: 'EXAI_STATE_DIR' },
    });
  });

  it('refuses relative dirs with CONFIG_INVALID naming each', () => {
    let error: unknown;
    try {
      resolveDirs({ EXAI_DATA_DIR: 'data', XDG_STATE_HOME: 'state' }, home);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExaiError);
    const exai = error as ExaiError;
    expect(exai.exitCode).toBe(9);
    expect(exai.message).toContain('invalid dirs.data "data" from EXAI_DATA_DIR');
    expect(exai.message).toContain('invalid dirs.state "state" from XDG_STATE_HOME');
  });
});
