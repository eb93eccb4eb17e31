// SPDX-License-Identifier: MIT
// 'react' as an ES module for the test page: React 18 ships UMD builds only.
const React = globalThis.React;
export default React;
export const { createElement, Fragment, StrictMode, useCallback, useEffect, useMemo, useRef, useState, useReducer } = React;
